"""The bundled demo site: a real Case Assist page and a fake Customer Service API, served on 127.0.0.1."""
