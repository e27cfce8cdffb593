Feature: Requests in #help
  A request in #help ("help: …") is seen at once: the bot reacts with :eyes: and answers in its
  thread; "solved" in that thread marks it done; /helpdesk says how to ask.

  Background:
    Given a Slack channel "#help"
    And the app is a member of "#help"

  @canary-49573cb2bc246a25
  Scenario: A request gets eyes and an answer in its thread
    When "alice" posts "help: my laptop will not boot" in "#help"
    Then the app reacts with ":eyes:" to the message matching "laptop will not boot" in "#help"
    And the message matching "laptop will not boot" in "#help" has a reply matching /On it, .*: my laptop will not boot/

  @canary-7d45b25ad27c2386
  Scenario: Solved in the thread marks the request done
    When "bob" posts "help: cannot reach the VPN" in "#help"
    And "bob" replies "solved, it was the proxy setting" to the message matching "cannot reach the VPN" in "#help"
    Then the app reacts with ":white_check_mark:" to the message matching "cannot reach the VPN" in "#help"

  @canary-8ad422b87e72a5ff
  Scenario: /helpdesk explains how to ask
    When "carol" runs "/helpdesk" in "#general"
    Then "carol" sees an ephemeral message matching /help: <what you need>/ in "#general"
