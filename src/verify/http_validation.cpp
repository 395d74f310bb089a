// PLACEHOLDER: shared pieces of the HTTP validators, being written.
