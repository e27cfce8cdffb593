Feature: Keeping #ops posted
  The report's thread in #ops carries one summary of the incident, which the bot keeps up to date,
  and #incidents hears of every new incident.

  @canary-2d4361a9249e5e3e
  Scenario: The report's thread gets a summary of the incident
    When "alice" posts "incident: login page times out" in "#ops"
    Then the message matching "login page times out" in "#ops" has a reply matching /INC-\d+: login page times out/
    And the message matching "login page times out" in "#ops" has a reply matching /Status: investigating/
    And the message matching "login page times out" in "#ops" has a reply matching /inc-\d+-login-page-times-out/

  @canary-618df7f4245b53a8
  Scenario: An update in the incident channel shows in the thread summary
    When "alice" posts "incident: emails are delayed" in "#ops"
    And "dave" posts "update: mail queue drained, watching" in the channel matching /^inc-\d+-emails-are-delayed$/
    Then the message matching "emails are delayed" in "#ops" has a reply matching /Latest update: mail queue drained, watching/

  @canary-b8141a117b04323a
  Scenario: New incidents are announced in #incidents
    When "erin" posts "incident: CDN serves stale assets" in "#ops"
    Then "#incidents" has a message matching /INC-\d+ opened: CDN serves stale assets/
