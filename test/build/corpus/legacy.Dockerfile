FROM ubuntu:22.04
MAINTAINER Jane Doe <jane@example.com>
ENV DEBIAN_FRONTEND noninteractive
ENV APP_HOME /opt/app
LABEL version 1.0
RUN apt-get update && \
    # install tools
    apt-get install -y curl \
      wget && \

    apt-get clean
ADD https://example.com/archive.tar.gz /tmp/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /tmp/x.tgz
ADD local.tar.gz /opt/
VOLUME /var/lib/app /var/log/app
VOLUME ["/data"]
EXPOSE 80 443 8000-8002/udp
ONBUILD COPY . /opt/app/src
ONBUILD RUN make -C /opt/app/src
WORKDIR $APP_HOME
WORKDIR bin
USER www-data
CMD ["./start.sh"]
