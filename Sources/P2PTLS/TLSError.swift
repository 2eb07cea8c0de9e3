import NIOCore
import Logging
import NIOTLS
import NIOHTTP1
import NIOPosix
