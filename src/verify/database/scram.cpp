// PLACEHOLDER: scram implementation, being split out of its header.
