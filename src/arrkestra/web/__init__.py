"""HTTP: the app factory, routes, and the server runner."""
