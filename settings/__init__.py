"""Settings: base (shared by every environment), local (the default) and production."""

from settings.package_origin import check_package_origin

check_package_origin()
