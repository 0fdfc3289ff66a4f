// Errors of the results store, shared by the storage worker and the page.

/** A storage failure the user should read, e.g. a full disk. Data stored before is intact. */
export class StorageError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StorageError';
  }
}

/** A database file that is not one of ours (or is damaged); nothing was changed. */
export class ImportRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportRejectedError';
  }
}
