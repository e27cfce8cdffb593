// Schedule steps: what recurring, scheduled work shows people (how many DMs, how many thread replies) and admins changing people's accounts.

export {};
