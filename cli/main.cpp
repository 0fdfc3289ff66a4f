int atf_cli_placeholder_main;
int main() { return 0; }
