// PLACEHOLDER: connection_uri implementation, being split out of its header.
