//! Hostile or failing OpenBao and provider APIs, and lifecycle writes under faults (issue 26:
//! items 4, 5, 9, 10, 11, 14, 15, 16, 17).
