//! The page in headless Chromium (next commit).
