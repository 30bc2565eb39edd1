//! Several accounts on one host: the picker, remembered choices, the stderr line without a
//! person, useHttpPath for scopes, and rejection marks that heal (issue 25: items 1, 2, 6).
