//! The provider test server against the real python-gitlab client (tests/it/provider_fidelity.py).
