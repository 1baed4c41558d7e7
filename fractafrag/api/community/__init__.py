"""Community: comments, notifications, follows, blocks, reports, moderation, playlists."""
