// Keeps ca_test_support non-empty.
