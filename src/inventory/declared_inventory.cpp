// PLACEHOLDER: being written (issue 7).
