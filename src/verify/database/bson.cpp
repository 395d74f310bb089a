// PLACEHOLDER: bson implementation, being split out of its header.
