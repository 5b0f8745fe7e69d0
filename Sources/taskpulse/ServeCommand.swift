import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTiming

/// Reads the configuration or exits with status 2 and one line naming the bad variable (DESIGN §7).
func loadConfiguration() throws -> TaskPulseConfiguration {
    do {
        return try TaskPulseConfiguration(environment: ProcessInfo.processInfo.environment)
    } catch {
        FileHandle.standardError.write(Data("taskpulse: configuration error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

func makeLogger(_ configuration: TaskPulseConfiguration) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return handler
    }
    return Logger(label: "taskpulse")
}

/// `taskpulse serve`: the webhook, the simulator (dev mode) and the dispatcher in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the service (configuration from the environment; see README).")

    func run() async throws {
        let configuration = try loadConfiguration()
        let logger = makeLogger(configuration)
        let dependencies: Dependencies
        do {
            dependencies = try await Dependencies.live(configuration, logger: logger)
        } catch let error as MessageTemplates.LoadError {
            FileHandle.standardError.write(Data("taskpulse: TASKPULSE_PROMPTS_DIR: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as MotivationCatalog.LoadError {
            FileHandle.standardError.write(Data("taskpulse: TASKPULSE_PROMPTS_DIR: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("taskpulse: TASKPULSE_DATABASE_URL: \(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("starting", metadata: ["tp.config": "\(configuration)"])
        if configuration.isDevMode {
            logger.warning(
                "DEV MODE: no Twilio account configured. No real SMS will be sent; outbound messages go to the dev outbox and the simulator."
            )
        }
        if configuration.jwtSecretIsEphemeral {
            logger.warning("TASKPULSE_JWT_SECRET is not set: API sessions end when the service restarts")
        }
        let host = configuration.host == "0.0.0.0" ? "localhost" : configuration.host
        let app = try await buildApplication(configuration, dependencies) { port in
            if configuration.isDevMode {
                logger.notice("phone simulator ready: http://\(host):\(port)/simulator")
            } else {
                logger.notice(
                    "listening; point your Twilio number's webhook at \(configuration.publicURL ?? "")/twilio/sms")
            }
        }
        try await app.runService()
    }
}

/// `taskpulse migrate`: brings the database schema up to date and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or update the database schema.")

    func run() async throws {
        let configuration = try loadConfiguration()
        let logger = makeLogger(configuration)
        let store = try SQLTaskStore.open(configuration.database, calculator: OccurrenceCalculator(), logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        logger.notice("database is up to date", metadata: ["tp.database": "\(configuration.database)"])
    }
}
