Feature: Nothing a client sends is executed twice, nothing is lost

  A call goes to a second node only when nothing of it reached the first, or when it is
  safe to repeat; a batch takes one token per call of the nodes' budgets.

  Scenario: eth_sendTransaction to a node frozen until Vixy gives up is not sent to another one
    Given 2 primary EL nodes
    And Vixy gives up on a node after 1000 ms
    And Vixy is running in front of them
    When EL node "el-primary-1" is frozen
    And a dev account sends a transaction through /el
    Then the client is told the call was not re-sent, with its id
    When EL node "el-primary-1" is thawed
    Then the account sent at most 1 transaction on EL node "el-primary-1" and none on "el-primary-2"

  Scenario: eth_sendTransaction to a node frozen for a while runs once, on that node
    Given 2 primary EL nodes
    And Vixy gives up on a node after 6000 ms
    And Vixy is running in front of them
    When EL node "el-primary-1" is frozen
    And a dev account starts sending a transaction through /el
    And within 5 seconds EL node "el-primary-1" is unhealthy
    And EL node "el-primary-1" is thawed
    Then the transaction is answered with its hash
    And the account sent exactly 1 transaction on EL node "el-primary-1" and none on "el-primary-2"

  Scenario: a batch larger than one node's budget is answered in full
    Given 2 primary EL nodes
    And Vixy is running in front of them with each EL node limited to 1 request per second in bursts of 5
    Then a batch of 8 eth_chainId calls through /el is answered in full, in order, by both nodes
