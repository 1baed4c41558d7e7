"""Your own media: uploaded images and audio for shader inputs."""
