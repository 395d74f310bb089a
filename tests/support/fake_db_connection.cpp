// PLACEHOLDER: being split out of fake_db_servers.cpp.
