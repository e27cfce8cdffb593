// Delivery steps: Slack sending the app an event again (a retry with the same event_id), as it does when an answer came too late.

export {};
