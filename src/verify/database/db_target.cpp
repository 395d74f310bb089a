// PLACEHOLDER: db_target implementation, being split out of its header.
