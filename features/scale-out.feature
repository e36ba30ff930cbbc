Feature: Replicas share node budgets, health checks and immutable answers through Redis

  Several Vixy replicas behind a load balancer share one Redis: a node's max_qps is the
  budget of the whole fleet, one replica at a time checks the nodes for all, and Redis
  trouble never fails a client request. The answer cache serves immutable answers, never
  a block a reorg can replace.

  Scenario: three replicas in front of a node limited to 50 calls a second send it about 50 a second
    Given a Redis server
    And 1 primary EL node limited to 50 calls a second
    And 3 Vixy replicas sharing Redis in front of them
    When every replica is sent eth_blockNumber calls as fast as it answers for 4 seconds
    Then the node was sent at most 50 calls a second in total, plus its burst and a lease per replica
    And calls over the budget were answered 429 with -32005

  Scenario: the replica that leads the health checks dies and another takes over
    Given a Redis server
    And 2 primary EL nodes
    And 3 Vixy replicas sharing Redis in front of them
    Then exactly one replica leads the health checks
    When the leading replica is killed
    Then within 8 seconds exactly one of the other replicas leads the health checks
    When EL node "el-primary-2" is killed
    Then within 8 seconds every replica shows EL node "el-primary-2" unhealthy

  Scenario: Redis killed under load costs no client error
    Given a Redis server
    And 2 primary EL nodes
    And 3 Vixy replicas sharing Redis in front of them
    When every replica is sent eth_blockNumber calls for 4 seconds while Redis is killed after 1 second
    Then every call was answered without an error
    And every replica shows vixy_redis_up 0

  Scenario: immutable answers are served with the node frozen; a reorged block never is
    Given 1 primary EL node with 80 mined blocks
    And Vixy is running in front of them with the answer cache
    When blocks 10 and 79 are read by number through Vixy
    And EL node "el-primary-1" is frozen
    Then block 10 is read again from the cache, with the same hash
    When EL node "el-primary-1" is thawed and its last 3 blocks are reorged
    Then block 79 read through Vixy has the new hash, not from the cache
