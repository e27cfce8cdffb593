// Every step file, so that cucumber, `twins steps` and the linter load the same steps. Add a new topic's file here.
import './slack.steps.ts';
import './app.steps.ts';
import './time.steps.ts';
import './faults.steps.ts';
import './channels.steps.ts';
import './delivery.steps.ts';
import './schedule.steps.ts';
import './jira.steps.ts';
import './okta.steps.ts';
import './company.steps.ts';
