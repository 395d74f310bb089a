// PLACEHOLDER: shared validator test harness, being written.
