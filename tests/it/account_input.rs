//! Tokens taken in as people paste them, selectors, dates and the lines that say success
//! (issue 25: items 3, 4, 5, 7, 8).
