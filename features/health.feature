@health
Feature: Health monitoring
  Vixy checks every EL node (eth_blockNumber) and every CL node (node/health,
  node/syncing, head slot) every health_check_interval_ms. A node is unhealthy
  at once when it lags more than the limit, or after health_check_max_failures
  failed checks in a row; the first good check within the limit makes it healthy
  again. /status and /health/ready tell the truth while nodes die and lag.
  (Scenarios run with checks every 200 ms, a 500 ms timeout and 2 failures.)

  Scenario: A lagging EL node turns unhealthy at once and recovers when it catches up
    Given 2 primary EL nodes and 1 backup EL node
    And a beacon node
    And Vixy is running in front of them
    When EL node "el-primary-1" falls 12 blocks behind
    Then within 3 seconds EL node "el-primary-1" is unhealthy
    And EL node "el-primary-1" shows lag 12 and last error "lag 12 > 5"
    And EL node "el-primary-2" shows lag 0 and no last error
    And Vixy logged "node is unhealthy" with "node=el-primary-1, reason=lag 12 > 5" once
    When EL node "el-primary-1" catches up
    Then within 3 seconds EL node "el-primary-1" is healthy
    And EL node "el-primary-1" shows lag 0 and no last error
    And Vixy logged "node is healthy" with "node=el-primary-1" 2 times

  Scenario: A killed EL node turns unhealthy after 2 failed checks and healthy after a restart
    Given 2 primary EL nodes
    And a beacon node
    And Vixy is running in front of them
    When EL node "el-primary-2" is killed
    Then within 3 seconds EL node "el-primary-2" is unhealthy
    And the last error of EL node "el-primary-2" starts with "connection refused ("
    And Vixy logged "node is unhealthy" with "node=el-primary-2, reason=connection refused (2 consecutive failures)" once
    When EL node "el-primary-2" is restarted
    Then within 3 seconds EL node "el-primary-2" is healthy

  Scenario: All primaries down: failover to the backup, and back when a primary recovers
    Given 2 primary EL nodes and 1 backup EL node
    And a beacon node
    And Vixy is running in front of them
    Then within 1 second EL failover is inactive
    When EL node "el-primary-1" is killed
    And EL node "el-primary-2" is killed
    Then within 3 seconds EL failover is active
    And within 1 second the readiness probe answers 200
    When EL node "el-primary-2" is restarted
    Then within 3 seconds EL failover is inactive
    And Vixy logged "EL failover started: no primary is healthy, backups serve" once
    And Vixy logged "EL failover ended" once

  Scenario: A real Lodestar node is healthy and its head slot advances
    Given 1 primary EL node
    And a beacon node
    And Vixy is running in front of them
    Then within 6 seconds the slot of CL node "cl-1" advances
    And CL node "cl-1" shows lag 0 and no last error

  Scenario: A peerless Lodestar node at genesis is reported lagging
    Given 1 primary EL node
    And a beacon node
    And a peerless beacon node on the same chain
    And Vixy is started without waiting for the nodes
    Then within 5 seconds CL node "cl-1" is healthy
    And within 5 seconds CL node "cl-2" is unhealthy
    And within 10 seconds CL node "cl-2" shows slot 0 and a lag above 3
    And the last error of CL node "cl-2" starts with "lag "
    And within 1 second the readiness probe answers 200

  Scenario: Readiness follows the nodes; a stopped Lodestar node turns unhealthy
    Given 1 primary EL node
    And a beacon node of its own
    And Vixy is running in front of them
    Then within 1 second the readiness probe answers 200
    When EL node "el-primary-1" is killed
    Then within 3 seconds the readiness probe answers 503
    When EL node "el-primary-1" is restarted
    Then within 3 seconds the readiness probe answers 200
    When beacon node "cl-1" is stopped
    Then within 5 seconds CL node "cl-1" is unhealthy
    And within 1 second the readiness probe answers 503
