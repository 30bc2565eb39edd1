//! The identity rules and scope cleaning, without the binary.

use super::*;

#[test]
fn scopes_are_cleaned() {
    assert_eq!(
        clean_scope("/group/project.git/").unwrap().as_deref(),
        Some("group/project")
    );
    assert_eq!(clean_scope("").unwrap(), None);
    assert!(clean_scope("a//b").is_err());
}
