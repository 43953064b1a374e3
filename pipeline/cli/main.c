/*
 * main.c - the callveil command line: a thin layer over the public API
 * (callveil.h). Dispatches a command (cmd_*.c), prints --help and
 * --version, maps results to exit codes: 0 ok, 1 usage, 2 bad input /
 * policy / key / I/O, 3 finished but some records were rejected.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(cli_usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        fputs(cli_usage_main, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("callveil %s\n", CV_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) { fputs(cli_usage_main, stdout); return EXIT_OK; }
        const char *h = !strcmp(argv[2], "run") ? cli_usage_run : !strcmp(argv[2], "filter") ? cli_usage_filter
                      : !strcmp(argv[2], "merge") ? cli_usage_merge
                      : !strcmp(argv[2], "scan") ? cli_usage_scan : !strcmp(argv[2], "keygen") ? cli_usage_keygen
                      : !strcmp(argv[2], "risk") ? cli_usage_risk
                      : !strcmp(argv[2], "token") ? cli_usage_token : !strcmp(argv[2], "check-policy") ? cli_usage_check
                      : !strcmp(argv[2], "find") ? cli_usage_find : !strcmp(argv[2], "forget") ? cli_usage_forget
                      : !strcmp(argv[2], "reveal") ? cli_usage_reveal : !strcmp(argv[2], "rekey") ? cli_usage_rekey
                      : cli_usage_main;
        cli_print_usage(stdout, h);
        return EXIT_OK;
    }
    cv_ctx *ctx = cv_ctx_create();
    if (!ctx) {
        fprintf(stderr, "callveil: error: cannot initialise (libsodium)\n");
        return EXIT_BAD;
    }
    cv_ctx_set_log(ctx, cli_log, NULL);
    cv_codec_logs_off();
    int ex;
    argc--;
    argv++;
    if (!strcmp(cmd, "run")) ex = cmd_run(ctx, argc, argv);
    else if (!strcmp(cmd, "filter")) ex = cmd_filter(ctx, argc, argv);
    else if (!strcmp(cmd, "merge")) ex = cmd_merge(ctx, argc, argv);
    else if (!strcmp(cmd, "scan")) ex = cmd_scan(ctx, argc, argv);
    else if (!strcmp(cmd, "risk")) ex = cmd_risk(ctx, argc, argv);
    else if (!strcmp(cmd, "keygen")) ex = cmd_keygen(ctx, argc, argv);
    else if (!strcmp(cmd, "token")) ex = cmd_token(ctx, argc, argv);
    else if (!strcmp(cmd, "check-policy")) ex = cmd_check(ctx, argc, argv);
    else if (!strcmp(cmd, "find")) ex = cmd_subject(ctx, argc, argv, 0);
    else if (!strcmp(cmd, "forget")) ex = cmd_subject(ctx, argc, argv, 1);
    else if (!strcmp(cmd, "reveal")) ex = cmd_reveal(ctx, argc, argv);
    else if (!strcmp(cmd, "rekey")) ex = cmd_rekey(ctx, argc, argv);
    else {
        fprintf(stderr, "callveil: error: unknown command '%s'\n%s", cmd, cli_usage_main);
        ex = EXIT_USAGE;
    }
    cv_ctx_free(ctx);
    return ex;
}
