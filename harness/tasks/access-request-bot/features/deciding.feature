Feature: Deciding a request in Jira
  An approver adds the label "approved" (or "rejected") to the request. On approval the bot gives the
  requester the Okta app or puts them in the Okta group, comments, moves the request to Done and tells
  the requester in a direct message. On rejection nothing is granted.

  Background:
    Given an Okta user "zoe.quinn@acme.test"
    And a Slack user "zoe.quinn@acme.test"
    And a Jira user "zoe.quinn@acme.test"
    And a Jira project "ACC"
    And an Okta app "Payroll"
    And an Okta group "Contractors"

  @canary-6448cfad69eb3426
  Scenario: An approval assigns the Okta app and tells the requester
    When "zoe.quinn" runs "/access Payroll to run the monthly payroll" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /ACC-1/ in "#general"
    When "carol" adds the label "approved" to "ACC-1"
    Then within 15 seconds the Okta app "Payroll" is assigned to "zoe.quinn@acme.test"
    And within 10 seconds "zoe.quinn" gets a direct message matching /^Your request ACC-1 was approved by Carol Chen: you now have access to Payroll\.$/

  @canary-c386555278156eb7
  Scenario: An approved request gets a comment and is done
    When "zoe.quinn" runs "/access Payroll" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /ACC-1/ in "#general"
    When "carol" adds the label "approved" to "ACC-1"
    Then within 15 seconds the Jira issue "ACC-1" has a comment containing "Access granted: Zoe Quinn now has the Okta app Payroll (approved by Carol Chen)."
    And within 10 seconds the Jira issue "ACC-1" has status "Done"

  @canary-11db149ad9d527bd
  Scenario: An approved group request puts the requester in the group
    When "zoe.quinn" runs "/access Contractors for the vendor portal" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /ACC-1/ in "#general"
    When "carol" adds the label "approved" to "ACC-1"
    Then within 15 seconds the Okta group "Contractors" includes "zoe.quinn@acme.test"
    And within 10 seconds the Jira issue "ACC-1" has a comment containing "Access granted: Zoe Quinn is now in the Okta group Contractors (approved by Carol Chen)."
    And within 10 seconds "zoe.quinn" gets a direct message matching /^Your request ACC-1 was approved by Carol Chen: you now have access to Contractors\.$/

  @canary-9abebb40f632040e
  Scenario: A rejected request grants nothing and tells the requester
    When "zoe.quinn" runs "/access Payroll" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /ACC-1/ in "#general"
    When "carol" adds the label "rejected" to "ACC-1"
    Then within 15 seconds "zoe.quinn" gets a direct message matching /^Your request ACC-1 for Payroll was rejected by Carol Chen\.$/
    And the Jira issue "ACC-1" has a comment containing "Rejected by Carol Chen; nothing was granted."
    And within 10 seconds the Jira issue "ACC-1" has status "Done"
    And the Okta app "Payroll" is not assigned to "zoe.quinn@acme.test"
