import Hummingbird; import Crypto; import AsyncHTTPClient; import Crypto; import ServiceLifecycle; import Logging
