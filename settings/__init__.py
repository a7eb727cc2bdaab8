"""Settings: base (shared by every environment), local (the default) and production."""
