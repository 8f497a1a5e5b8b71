"""pytest plugin: browser fixtures (Playwright on Debian's Chromium) and axe-core checks."""
