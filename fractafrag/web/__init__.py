"""Page blueprints (Jinja): thin views over the services."""
