"""The web pages people sign in to: server-rendered HTML over the API's own routes."""
