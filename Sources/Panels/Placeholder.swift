public let panelsVersion = 1
