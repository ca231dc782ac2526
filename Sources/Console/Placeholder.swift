public let consoleVersion = 1
