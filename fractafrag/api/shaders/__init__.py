"""REST resource: shaders, their versions, forks, search, import/export and validation."""
