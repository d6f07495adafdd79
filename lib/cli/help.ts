/**
 * The CLI's help texts: one for `tokengate` itself and one per command, each with examples.
 * `docs/cli.md` is the long form.
 *
 * @module
 */

/** The commands the CLI has. */
export type CommandName = 'create-token' | 'inspect' | 'check' | 'tokens'

/** The help of `tokengate` itself. */
export const MAIN_HELP = `Usage: tokengate COMMAND [OPTIONS] [ARGS]...

  Create, inspect and check Datasette-style API tokens and InfluxDB-style
  resource tokens.

Commands:
  create-token  Create a signed dstok_ token, a JWT, or an offline tokens-file token
  inspect       Decode and verify a token; list what it may do under a configuration
  check         Explain whether an actor may perform an action
  tokens        Create, list, show, revoke and rotate managed tokens in a store

Options:
  -h, --help    Show this message and exit

Exit status: 0 done, 1 refused (bad signature, expired, denied) or failed,
2 usage error. Errors are one line on stderr.

Examples:
  tokengate create-token root --secret mysecret --all view-instance
  tokengate inspect dstok_... --secret mysecret
  tokengate check --config metadata.json --actor '{"id":"bob"}' view-table docs documents
  tokengate tokens create alice --name ci --permission db:docs:read --store sqlite:tokens.db

Run 'tokengate COMMAND --help' for a command's options.
`

const CREATE_TOKEN_HELP = `Usage: tokengate create-token [OPTIONS] ACTOR_ID

  Create a token for ACTOR_ID: a Datasette-compatible signed dstok_ token
  (the default), a JWT (--type jwt), or, with --offline, an InfluxDB-style
  apiv3_ token appended to a permission tokens file. The token is printed
  on stdout; an offline token is written only to the file.

  A token acts as its actor, restricted: it may never do more than the actor.
  Restrict it with Datasette's options, InfluxDB's --permission strings, or
  both (the union of everything given). Without any, the token is unrestricted.

Datasette's options:
  --secret SECRET                  Signing secret [env: TOKENGATE_SECRET, then
                                   DATASETTE_SECRET]
  --config FILE                    Sign with this configuration's secret (for
                                   --type jwt: its jwt block's secret, issuer
                                   and audience)
  -e, --expires-after SECONDS      Expire after this many seconds (0: never)
  -a, --all ACTION                 Allow ACTION everywhere (repeatable)
  -d, --database DB ACTION         Allow ACTION on database DB (repeatable)
  -r, --resource DB RESOURCE ACTION
                                   Allow ACTION on one table, view or query
                                   (repeatable)
  --debug                          Also print the decoded token

  Known actions are written as abbreviations (view-table -> vt); an unknown
  action is kept as given, with a warning on stderr.

InfluxDB's options:
  --permission TYPE:NAMES:ACTIONS  Permission string, repeatable: db:NAMES:read,
                                   write, create, delete, describe or action
                                   names; system:health,metrics,ping,ready|*:read;
                                   table:DB/TABLE:ACTIONS
  --name NAME                      Name of the token (required with --offline)
  --expiry DURATION                Expire after a duration: 30m, 12h, 7d, 2w,
                                   1M (30.44 days), 1y (365.25 days), "1h 30m"
  --format text|json               Output format [default: text]
  --type dstok|jwt                 Token type [default: dstok]; jwt is HS256
                                   with the same secret (sub, _r, exp claims)
  --offline                        Write an apiv3_ token to --output-file
                                   instead of printing a signed token
  --output-file FILE               The permission tokens file to create or
                                   append to (written atomically, mode 0600)
  --create-databases DB,DB         Databases listed in the file's
                                   create_databases (with --offline)

  -h, --help                       Show this message and exit

  --expires-after and --expiry are alternatives: give one. --offline needs
  --output-file, --name and at least one --permission; ACTOR_ID is then
  optional and becomes the token's owner (default root).

Examples:
  Datasette's example (prints the token, then "Decoded:" and its payload):
    tokengate create-token root --secret mysecret \\
      --all view-instance --all view-table \\
      --database docs view-query \\
      --resource docs documents insert-row \\
      --resource docs documents update-row --debug

  A read/write token for two databases that expires in seven days, as JSON:
    tokengate create-token alice --permission "db:sales,hr:read,write" \\
      --name "sales and hr" --expiry 7d --format json

  An offline token appended to a tokens file:
    tokengate create-token --offline --output-file tokens.json \\
      --name ingest --permission "db:sensors:write" --create-databases sensors
`

const INSPECT_HELP = `Usage: tokengate inspect [OPTIONS] TOKEN

  Decode and verify TOKEN and print its actor, restrictions and expiry. With
  --config, also list the actions it may perform and where: at instance
  level, and on every database, table and query named in the configuration
  or in the token's restrictions.

  A dstok_ token is verified with the secret (--secret, else the
  configuration's secret, else TOKENGATE_SECRET, else DATASETTE_SECRET).
  Without any secret its payload is printed marked UNVERIFIED and the exit
  status is 1. Other tokens (static, apiv3_ from a tokens file, JWTs) are
  verified as the configuration's server would; without --config, a JWT is
  verified as HS256/384/512 with the secret.

Options:
  --secret SECRET     Verification secret [env: TOKENGATE_SECRET, then
                      DATASETTE_SECRET]
  --config FILE       A tokengate or Datasette metadata.json configuration
  --format text|json  Output format [default: text]
  -h, --help          Show this message and exit

  Exit status: 0 valid, 1 invalid, expired, unknown or unverified, 2 usage.
  The secret is never printed.

Examples:
  tokengate inspect dstok_eyJh... --secret mysecret
  tokengate inspect apiv3_x1Y2... --config metadata.json --format json
`

const CHECK_HELP = `Usage: tokengate check [OPTIONS] ACTION [DB [RESOURCE]]

  Explain whether an actor may perform ACTION at instance level, on
  database DB, or on RESOURCE (a table, view or named query) of DB, under a
  configuration: the decision, the reason, the rules that applied, the
  restriction gate and the actions it also requires.

Options:
  --config FILE       A tokengate or Datasette metadata.json (required)
  --actor JSON        The actor, such as '{"id":"bob"}' or
                      '{"id":"bob","_r":{"a":["vt"]}}' [default: null,
                      anonymous]
  --format text|json  Output format [default: text]
  -h, --help          Show this message and exit

  Exit status: 0 allowed, 1 denied, 2 usage error.

Examples:
  tokengate check --config metadata.json --actor '{"id":"bob"}' view-table docs documents
  tokengate check --config metadata.json view-instance
  tokengate check --config metadata.json --actor '{"id":"root"}' --format json insert-row docs documents
`

const TOKENS_HELP = `Usage: tokengate tokens SUBCOMMAND [OPTIONS] [ARG]

  Manage revocable, hashed managed tokens (tgk_...) in a token store: the
  store named by --store, else the "token_store" of --config, else the
  TOKENGATE_STORE environment variable. Store URLs: sqlite:PATH (relative
  to the working directory), postgres://... or postgresql://...

Subcommands:
  create ACTOR_ID    Create a token acting as ACTOR_ID, restricted; print it
                     once (only its SHA-256 is stored)
  list               List tokens: a table, or --format json
  show ID            Show one token's record
  revoke ID          Revoke a token (it stops working; revoking twice is fine)
  rotate ID          Give a token a new secret, keeping its id; print it once

Options of every subcommand:
  --store URL                      The token store [env: TOKENGATE_STORE]
  --config FILE                    A metadata.json: its "token_store" and its
                                   actions (for -a/-d/-r and --permission)
  --format text|json               Output format [default: text]
  -h, --help                       Show this message and exit

create:
  --name NAME                      Name, unique among the owner's live tokens
                                   (required)
  --description TEXT               What the token is for
  --permission TYPE:NAMES:ACTIONS  InfluxDB permission string (repeatable):
                                   db:NAMES:read,write,...; system:...:read;
                                   table:DB/TABLE:ACTIONS
  -a, --all ACTION                 Allow ACTION everywhere (repeatable)
  -d, --database DB ACTION         Allow ACTION on database DB (repeatable)
  -r, --resource DB RESOURCE ACTION
                                   Allow ACTION on one table, view or query
                                   (repeatable)
  --expiry DURATION                Expire after 30m, 12h, 7d, 1y, "1h 30m"
  -e, --expires-after SECONDS      Expire after this many seconds (0: never)
  --rate-limit POINTS/WINDOW       Its own rate limit: 100/1m, 5/60, 1000/1d
                                   (WINDOW in seconds or 30s, 1m, 1h, 1d)
  --by ID                          Who creates it, for the audit log
                                   [default: cli]
  --prefix PREFIX                  The token prefix your app's gate uses
                                   [default: tgk]

list:
  --owner ID                       Only this owner's tokens
  --status active|revoked|expired  Only tokens with this status
  --limit N                        At most N tokens (1 to 1000) [default: 100]
  --cursor CURSOR                  The next page, as the last list printed it

revoke, rotate:
  --by ID                          Who does it, for the audit log [default: cli]

  Without any restriction the token may do everything its owner may; with
  them, their union. A token never exceeds its owner.

  Exit status: 0 done, 1 refused or failed (no such token, a name already
  taken, a revoked token, the store cannot be reached), 2 usage error
  (nothing is written).

Examples:
  tokengate tokens create alice --name ci --permission "db:docs:read,write" \\
    --expiry 30d --store sqlite:tokens.db
  tokengate tokens list --owner alice --status active --config metadata.json
  TOKENGATE_STORE=postgres://app@db/app tokengate tokens revoke 3f9c2a7b1e0d4c68
  tokengate tokens rotate 3f9c2a7b1e0d4c68 --store sqlite:tokens.db --format json
`

/** Each command's help. */
export const COMMAND_HELP: { readonly [name in CommandName]: string } = {
  'create-token': CREATE_TOKEN_HELP,
  inspect: INSPECT_HELP,
  check: CHECK_HELP,
  tokens: TOKENS_HELP,
}
