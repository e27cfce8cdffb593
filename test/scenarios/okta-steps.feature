Feature: The Okta steps, against a tiny offboarding app
  The app (in test/scenarios/okta-steps.test.ts) answers Okta's event hook verification. When a
  person is deactivated it takes them out of every Okta group but Everyone; it answers
  suspensions with HTTP 500 and everything else with 204.

  Background:
    Given the app has an Okta event hook for "user.lifecycle.deactivate, user.lifecycle.suspend, user.session.start" at "/okta/hooks"

  Scenario: Arranging is quiet, and what was arranged is there
    Given an Okta user "zoe"
    And "zoe"'s Okta department is "Engineering"
    And "zoe"'s Okta manager is "alice"
    And an Okta group "Contractors"
    And "zoe" is in the Okta group "Contractors"
    And "carol" is deactivated in Okta
    And "dave" is suspended in Okta
    Then the Okta user "zoe" is ACTIVE
    And the Okta user "zoe"'s department is "Engineering"
    And the Okta user "zoe"'s manager is "alice"
    And the Okta group "Contractors" includes "zoe"
    And the Okta user "carol" is DEPROVISIONED
    And the Okta user "dave" is SUSPENDED
    And for 1 second Okta sends the app no event hook "user.lifecycle.deactivate"
    And for 500 ms the app never calls Okta "unassignUserFromGroup"

  Scenario: A deactivation reaches the app, which takes the person out of their groups
    Given "bob" is in the Okta group "Sales"
    When an Okta admin deactivates "bob"
    Then the app received an Okta event hook "user.lifecycle.deactivate" for "bob"
    And the app answered the Okta event hook "user.lifecycle.deactivate" for "bob" with 204
    And the app called Okta "unassignUserFromGroup" for "bob"
    And the Okta group "Sales" does not include "bob"
    And the System Log has "group.user_membership.remove" for "bob"
    And the Okta user "bob" is DEPROVISIONED
    And for 1 second the System Log has no "user.lifecycle.deactivate" for "alice"

  Scenario: A suspension the app answers with 500
    When an Okta admin suspends "erin"
    Then the app answered the Okta event hook "user.lifecycle.suspend" for "erin" with 500
    And the Okta user "erin" is SUSPENDED
    When an Okta admin unsuspends "erin"
    Then the Okta user "erin" is ACTIVE

  Scenario: Sign-ins, group moves, profile changes and a reactivation
    When "alice" signs in to Okta
    And "frank" tries to sign in to Okta with a wrong password
    Then the app received an Okta event hook "user.session.start" for "alice"
    And the app received an Okta event hook "user.session.start" for "frank"
    When an Okta admin adds "alice" to the group "Sales"
    And an Okta admin removes "alice" from the group "Engineering"
    And an Okta admin changes "alice"'s title to "Team Lead"
    Then the Okta group "Sales" includes "alice"
    And the Okta group "Engineering" does not include "alice"
    And the Okta user "alice"'s title is "Team Lead"
    When an Okta admin deactivates "grace"
    Then the app called Okta "unassignUserFromGroup" for "grace"
    When an Okta admin reactivates "grace"
    Then the Okta user "grace" is ACTIVE
    When "grace" signs in to Okta
    And "dave" tries to sign in to Okta
    Then the app received an Okta event hook "user.session.start" for "dave"

  Scenario: People arranged with a table, and app assignments
    Given an Okta app "Payroll"
    And an Okta group "Contractors"
    And an Okta user "yuri" with:
      | department | Finance              |
      | title      | Accountant           |
      | manager    | alice                |
      | groups     | Finance, Contractors |
    And an Okta user "xena" with:
      | status | DEPROVISIONED |
    And "yuri" is assigned to the Okta app "Payroll"
    Then the Okta user "yuri"'s manager is "alice"
    And the Okta user "yuri"'s title is "Accountant"
    And the Okta group "Contractors" includes "yuri"
    And the Okta user "xena" is DEPROVISIONED
    And the Okta app "Payroll" is assigned to "yuri"
    And the Okta app "Payroll" is not assigned to "bob"
    And the Okta app "Twin Web App" is assigned to "bob"
    And for 500 ms Okta sends the app no event hook "user.lifecycle.deactivate"
    When an Okta admin assigns "bob" to the Okta app "Payroll"
    And an Okta admin unassigns "yuri" from the Okta app "Payroll"
    Then the Okta app "Payroll" is assigned to "bob"
    And the Okta app "Payroll" is not assigned to "yuri"
    And for 500 ms the Okta app "Payroll" is never assigned to "xena"

  Scenario: Okta rate-limits the app, which does not retry, so the person keeps their group
    Given "bob" is in the Okta group "Sales"
    And Okta rate-limits "unassignUserFromGroup" for the next 5 calls
    When an Okta admin deactivates "bob"
    Then the app called Okta "unassignUserFromGroup" for "bob"
    And the Okta group "Sales" includes "bob"
