// PLACEHOLDER: dns_srv implementation, being split out of its header.
