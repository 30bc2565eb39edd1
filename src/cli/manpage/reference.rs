//! The man page's reference tables that no command definition holds: the environment, the
//! files, the keys of config.toml. Tests check them against the code (the config parser's own
//! list of keys; the variables the code reads).

/// (variable, what it does).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "VOUCH_CONFIG",
        "The config file, instead of config.toml in the XDG config dir; it must then exist. --config FILE wins over it.",
    ),
    (
        "GIT_TERMINAL_PROMPT",
        "0 (or false, no, off): nobody is asked at the terminal: no pick among equal accounts, no login on demand.",
    ),
    (
        "NO_COLOR",
        "Set and not empty: list and doctor print no colour at a terminal.",
    ),
    (
        "COLUMNS",
        "The width list fits its table to (default: the terminal's width; in a pipe nothing is cut).",
    ),
    (
        "BROWSER",
        "The program login --browser opens the authorization URL with (else xdg-open).",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "Whether login (without --browser or --device) can open a browser with xdg-open.",
    ),
    (
        "VOUCH_LOGIN_TIMEOUT",
        "Seconds the browser login waits for the redirect (default 300, at most a day).",
    ),
    (
        "BAO_ADDR, VAULT_ADDR",
        "The OpenBao or Vault address, over [openbao] address.",
    ),
    (
        "BAO_TOKEN, VAULT_TOKEN",
        "An OpenBao or Vault client token, used before JWT or AppRole login.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "Proxies for provider APIs, OAuth and OpenBao (any case); loopback addresses never go through a proxy.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR",
        "Where config.toml and the key file, the store, and runtime files live (defaults below ~/.config, ~/.local/share).",
    ),
    (
        "DBUS_SESSION_BUS_ADDRESS",
        "The session bus of the Secret Service that the keyring key source uses (Linux).",
    ),
];

/// (path, what it is). Paths only: the formats are in docs/security.md of the source.
pub const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/git-credential-vouch/config.toml",
        "Provider instances and settings (see CONFIGURATION); refused when others can write it.",
    ),
    (
        "$XDG_CONFIG_HOME/git-credential-vouch/key",
        "The key file (0600), with the file key source.",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/store.vouch",
        "The encrypted store (0600).",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/store.lock",
        "The store's write lock.",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/openbao-cache.vouch",
        "What OpenBao answered, the AppRole secret ID and its client token, encrypted.",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/github-app-tokens.vouch",
        "The tokens GitHub Apps minted, per repository, encrypted, until they expire.",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/rotation-rescue.vouch",
        "A token a provider rotated that the store could not take yet, encrypted; the next verify, renew or rotate files it.",
    ),
    (
        "$XDG_DATA_HOME/git-credential-vouch/configured-SCOPE.json",
        "What configure changed in git's config, so unconfigure can take it back.",
    ),
];

/// (table, key, what it sets). `table` is "" for the top level.
pub const CONFIG_KEYS: &[(&str, &str, &str)] = &[
    (
        "",
        "on_reject",
        "\"delete\" or \"keep\": what git's erase does to a rejected token (default: delete what git stored, keep what add added).",
    ),
    (
        "",
        "key_cache",
        "How long the keyring key source keeps the unwrapped key in the kernel key cache (a duration, e.g. 15m, or \"off\").",
    ),
    (
        "[[provider]]",
        "name",
        "The instance's name; a built-in's name amends the built-in.",
    ),
    (
        "[[provider]]",
        "kind",
        "github, github-enterprise, gitlab, gitlab-self-managed, bitbucket-cloud, bitbucket-server, azure-devops, azure-devops-server, aws-codecommit, gitea, forgejo, codeberg, sourcehut, huggingface, gerrit or generic.",
    ),
    (
        "[[provider]]",
        "hosts",
        "Host patterns it serves (host[:port]; * is one whole DNS label).",
    ),
    (
        "[[provider]]",
        "path_prefix",
        "Only paths below it belong to the instance.",
    ),
    (
        "[[provider]]",
        "virtual_directory",
        "The server's virtual directory (azure-devops-server).",
    ),
    (
        "[[provider]]",
        "issuer_url",
        "Where the OAuth endpoints live, when not on the host (https, or http to loopback).",
    ),
    (
        "[[provider]]",
        "api_url",
        "The REST API (/user), when not where the kind puts it.",
    ),
    (
        "[[provider]]",
        "oauth_client_id",
        "The OAuth app login uses (its secret is kept in the store).",
    ),
    (
        "[[provider]]",
        "scopes",
        "The OAuth scopes login asks for, instead of the kind's defaults.",
    ),
    (
        "[[provider]]",
        "pat",
        "false: no personal access tokens on this instance.",
    ),
    ("[[provider]]", "on_reject", "on_reject for this instance."),
    (
        "[[provider]]",
        "allow_http",
        "true: also answer plain http (loopback test servers, closed networks).",
    ),
    (
        "[[provider]]",
        "openbao_path",
        "Take the token from this KV v2 secret in OpenBao (mount/path).",
    ),
    (
        "[openbao]",
        "address",
        "The cluster's address (https, or http to loopback).",
    ),
    (
        "[openbao]",
        "cache_ttl",
        "How long an answer is used without asking again (default 5m).",
    ),
    ("[openbao]", "namespace", "Sent as X-Vault-Namespace."),
    (
        "[openbao]",
        "ca_file",
        "Trust exactly these CA certificates (PEM).",
    ),
    ("[openbao]", "jwt_role", "JWT auth: the role."),
    (
        "[openbao]",
        "jwt_file",
        "JWT auth: the file holding the JWT (a CI job's ID token).",
    ),
    (
        "[openbao]",
        "jwt_mount",
        "Where JWT auth is mounted (default jwt).",
    ),
    (
        "[openbao]",
        "approle_mount",
        "Where AppRole is mounted (default approle).",
    ),
];
