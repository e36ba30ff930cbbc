@layers
Feature: A Vixy in front of one layer only
  A team with only execution nodes runs Vixy without any [[cl]] node: it is ready
  once an EL node is healthy, serves /el, and answers /cl/* with a clear 404.

  Scenario: an EL-only Vixy is ready and serves
    Given 1 primary EL node
    And Vixy is running in front of them without a CL layer
    Then within 10 seconds Vixy is ready
    And eth_chainId through /el is answered by EL node "el-primary-1"
    And GET "/cl/eth/v1/node/version" answers 404 with the message "this Vixy serves no consensus layer: no [[cl]] node is configured"
    And Vixy logged its start-up line with the version and the config file
