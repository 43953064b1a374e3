/*
 * cmd_tools.c - the commands around the data: keygen (a master key, or the
 * controller's vault key pair), token (the token of one value) and
 * check-policy (every problem of a policy file).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_keygen(cv_ctx *ctx, int argc, char **argv)
{
    cli_opts o;
    int r = cli_parse_opts(argc, argv, cli_usage_keygen, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return cli_usage_error(cli_usage_keygen, "keygen", "missing -o FILE (where to write the new key)");
    if (optind != argc) return cli_usage_error(cli_usage_keygen, "keygen", "keygen takes no arguments besides -o FILE");
    if (!strcmp(o.out, "-"))
        return cli_usage_error(cli_usage_keygen, "keygen", "refusing to write a key to standard output (-o -): a key "
                                                   "belongs in a file of mode 0600");
    int rc = o.controller ? cv_controller_keygen(ctx, o.out) : cv_key_generate_file(ctx, o.out);
    if (rc) return cli_fail(ctx, rc);
    if (!cli_quiet && o.controller)
        fprintf(stderr, "callveil: wrote %s.pub (give to the operator) and %s.sec (mode 0600, keep apart)\n", o.out,
                o.out);
    else if (!cli_quiet)
        fprintf(stderr, "callveil: wrote a new key to %s (mode 0600)\n", o.out);
    return EXIT_OK;
}

int cmd_token(cv_ctx *ctx, int argc, char **argv)
{
    static const struct option lo[] = {
        { "type", required_argument, 0, 't' }, { "policy", required_argument, 0, 'p' },
        { "key", required_argument, 0, 'k' },  { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    cli_opts o;
    memset(&o, 0, sizeof o);
    const char *type = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:p:k:h", lo, NULL)) != -1) {
        switch (c) {
        case 't': type = optarg; break;
        case 'p': o.policy = optarg; break;
        case 'k': o.key = optarg; break;
        case 'h': cli_print_usage(stdout, cli_usage_token); return EXIT_OK;
        default: cli_print_usage(stderr, cli_usage_token); return EXIT_USAGE;
        }
    }
    if (!type || optind != argc - 1) {
        cli_print_usage(stderr, cli_usage_token);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &o, p, 0, &k))) goto out;
    char out[1024];
    const char *v = argv[optind];
    int rc = cv_token(ctx, p, k, type, v, strlen(v), out, sizeof out);
    if (rc) {
        ex = cli_fail(ctx, rc);
        goto out;
    }
    printf("%s\n", out);
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

static void diag_cb(void *ud, int line, const char *msg)
{
    const char *file = ud;
    if (line > 0) fprintf(stderr, "%s:%d: %s\n", file, line, msg);
    else fprintf(stderr, "%s: %s\n", file, msg);
}

int cmd_check(cv_ctx *ctx, int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(cli_usage_check, stdout);
        return EXIT_OK;
    }
    if (argc != 2) {
        fputs(cli_usage_check, stderr);
        return EXIT_USAGE;
    }
    int n = cv_policy_check(ctx, argv[1], diag_cb, argv[1]);
    if (n < 0) return cli_fail(ctx, n);
    if (n == 0) {
        printf("%s: ok\n", argv[1]);
        return EXIT_OK;
    }
    fprintf(stderr, "%s: %d problem(s)\n", argv[1], n);
    return EXIT_BAD;
}
