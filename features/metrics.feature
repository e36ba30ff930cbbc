@metrics
Feature: Prometheus metrics of a running Vixy
  An operator scrapes /metrics with Prometheus: the node gauges follow what
  happens to the nodes (a kill, a restart, a failover), and [metrics].port moves
  the endpoint to a listener of its own.

  Scenario: The EL health gauges follow a node kill and its recovery
    Given 2 primary EL nodes and 1 backup EL node mining every 1 second
    And Vixy is running in front of them
    Then within 5 seconds the metric vixy_el_node_healthy for node "el-primary-1" is 1
    And the metric vixy_el_healthy_nodes is 3
    When EL node "el-primary-1" is killed
    Then within 5 seconds the metric vixy_el_node_healthy for node "el-primary-1" is 0
    And the metric vixy_el_node_healthy for node "el-primary-2" is 1
    And the metric vixy_el_healthy_nodes is 2
    And the metric vixy_el_failover_active is 0
    When EL node "el-primary-1" is restarted
    Then within 5 seconds the metric vixy_el_node_healthy for node "el-primary-1" is 1
    And the metric vixy_el_node_lag_blocks for node "el-primary-1" is at most 5
    And within 5 seconds the metric vixy_el_node_block_number for node "el-primary-1" rises

  Scenario: A failover and its end show in the metrics
    Given 1 primary EL node and 1 backup EL node
    And Vixy is running in front of them
    Then the metric vixy_el_failover_active is 0
    When EL node "el-primary-1" is killed
    Then within 5 seconds the metric vixy_el_failover_active is 1
    And the metric vixy_el_failovers_total is 1
    And the metric vixy_el_node_healthy for node "el-backup-1" is 1
    When EL node "el-primary-1" is restarted
    Then within 5 seconds the metric vixy_el_failover_active is 0
    And the metric vixy_el_failovers_total is 1

  Scenario: The request counters show the traffic move to the next node
    Given 2 primary EL nodes
    And Vixy is running in front of them
    When 20 eth_blockNumber calls are made through Vixy
    Then the metric vixy_el_requests_total with node "el-primary-1" is at least 20
    And the metric vixy_el_request_duration_seconds_count with node "el-primary-1" is at least 20
    And the metric vixy_el_rpc_requests_total with method "eth_blockNumber" is at least 20
    And the metric vixy_el_requests_total for node "el-primary-2" is 0
    When EL node "el-primary-1" is killed
    And 20 eth_chainId calls are made through Vixy
    Then the metric vixy_el_requests_total with node "el-primary-2" is at least 20
    And the metric vixy_el_rpc_requests_total with method "eth_chainId" is at least 20

  Scenario: The CL gauges follow a real beacon node
    Given 1 primary EL node
    And a beacon node
    And Vixy is running in front of them
    Then within 10 seconds the metric vixy_cl_node_healthy for node "cl-1" is 1
    And the metric vixy_cl_healthy_nodes is 1
    And within 10 seconds the metric vixy_cl_node_slot for node "cl-1" rises

  Scenario: /metrics on a port of its own
    Given 1 primary EL node
    And Vixy serves its metrics on a port of their own
    And Vixy is running in front of them
    Then the metrics port serves the Vixy metrics
    And within 5 seconds the metric vixy_el_node_healthy for node "el-primary-1" is 1
    And GET "/metrics" answers 404
    And the metrics port answers 404 to GET "/status"

  Scenario: Metrics disabled
    Given 1 primary EL node
    And Vixy's metrics are disabled
    And Vixy is running in front of them
    Then GET "/metrics" answers 404
    And GET "/status" answers 200
