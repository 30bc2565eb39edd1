//! Hostile OAuth servers, a hostile local process at the browser login's listener, proxies and
//! bad network days (issue 26: items 1, 2, 3, 6, 7, 8, 12, 13).
