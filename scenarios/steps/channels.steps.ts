// Channel steps: channels the app makes whose names a scenario cannot know in advance (found by a pattern), archiving, and acting in them.

export {};
