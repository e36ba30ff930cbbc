@cli
Feature: Command line, configuration errors and shutdown
  Vixy refuses a bad config with exit code 2 and one message that names the file
  and the offending field; nothing listens then. A good config serves /health, and
  SIGTERM or SIGINT stop it with exit code 0.

  Scenario: --help and --version
    When I run vixy with "--help"
    Then it exits with code 0
    And stdout contains "--config <file>"
    When I run vixy with "--version"
    Then it exits with code 0
    And stdout contains "vixy 0.1.0"

  Scenario: an unknown option
    When I run vixy with "--bogus"
    Then it exits with code 2
    And stderr contains "Unknown option '--bogus'"

  Scenario: a missing config file
    When I run vixy with "--config /nonexistent/vixy.toml"
    Then it exits with code 2
    And stderr is:
      """
      vixy: invalid config /nonexistent/vixy.toml:
        cannot read the file (file not found)
      """

  Scenario Outline: a bad config names the file and the field
    Given a valid config where <change>
    When I start vixy with that config
    Then it exits with code 2
    And stderr names the config file and says "<message>"
    And nothing listens on the port it was given

    Examples:
      | change                                               | message                                                       |
      | el.primary[1].ws_url is "http://127.0.0.1:8546"      | el.primary[1].ws_url: must be a ws:// or wss:// URL           |
      | el.primary[0].http_url is "ftp://127.0.0.1:8545"     | el.primary[0].http_url: must be an http:// or https:// URL    |
      | global.max_lag_blocks is 5                           | global.max_lag_blocks: unknown key in [global]                |
      | global.max_retries is -1                             | global.max_retries: must be a non-negative integer            |
      | global.health_check_interval_ms is 0                 | global.health_check_interval_ms: must be a positive integer   |
      | el.primary[1].name is "el-primary-1"                 | el.primary[1].name: duplicate node name "el-primary-1" (el.primary[0]) |
      | cl[0].url is "ws://127.0.0.1:5052"                   | cl[0].url: must be an http:// or https:// URL                 |
      | el.primary[0].max_qps is 0                           | el.primary[0].max_qps: must be a positive integer             |

  Scenario: a config without nodes
    Given the config file:
      """
      [global]
      max_retries = 2
      """
    When I start vixy with that config
    Then it exits with code 2
    And stderr names the config file and says "no nodes: configure [[el.primary]] nodes (execution layer), [[cl]] nodes (consensus layer), or both"

  Scenario: backups without a primary
    Given the config file:
      """
      [[el.backup]]
      name = "provider-1"
      http_url = "http://127.0.0.1:8545"
      ws_url = "ws://127.0.0.1:8546"
      """
    When I start vixy with that config
    Then it exits with code 2
    And stderr names the config file and says "el.primary: needs at least one [[el.primary]] node when [[el.backup]] nodes are configured (backups serve only while no primary is healthy)"

  Scenario: a TOML syntax error gives line and column
    Given the config file:
      """
      [global]
      max_retries = = 2
      """
    When I start vixy with that config
    Then it exits with code 2
    And stderr contains "TOML syntax error at line 2, column"

  Scenario: a bad --listen
    Given a valid config
    When I run vixy with "--config {config} --listen nowhere"
    Then it exits with code 2
    And stderr names the config file and says "--listen: must be \"host:port\" with a port from 1 to 65535"

  Scenario: the config path from VIXY_CONFIG
    Given a valid config where global.max_retries is "two"
    When I run vixy with "" and VIXY_CONFIG set to the config file
    Then it exits with code 2
    And stderr names the config file and says "global.max_retries: must be a non-negative integer"

  Scenario Outline: <signal> shuts down gracefully with exit code 0
    Given 1 primary EL node
    And Vixy is running
    Then GET "/health" answers 200
    When I send <signal> to Vixy
    Then Vixy exits with code 0 within 5 seconds

    Examples:
      | signal  |
      | SIGTERM |
      | SIGINT  |
