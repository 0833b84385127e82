// Keeps each test-support library non-empty while its folder has no sources yet.
