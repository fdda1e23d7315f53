//! 业务服务: the application services that the console and the command line call.
